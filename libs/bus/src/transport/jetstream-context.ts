import type { JsMsg } from '@nats-io/jetstream';
import type { Msg, MsgHdrs } from '@nats-io/transport-node';
import { BaseRpcContext } from '@nestjs/microservices';

/** What an event handler may ask about the message it is handling. */
export class JetStreamContext extends BaseRpcContext<[JsMsg, string]> {
  getMessage(): JsMsg {
    return this.args[0];
  }
  /** The durable consumer (handler group) that delivered it. */
  getDurable(): string {
    return this.args[1];
  }
  getSubject(): string {
    return this.args[0].subject;
  }
  getHeaders(): MsgHdrs | undefined {
    return this.args[0].headers;
  }
  /** 1 on the first delivery. */
  getDeliveryCount(): number {
    return this.args[0].info.deliveryCount;
  }
}

export class NatsCommandContext extends BaseRpcContext<[Msg]> {
  getMessage(): Msg {
    return this.args[0];
  }
  getSubject(): string {
    return this.args[0].subject;
  }
  getHeaders(): MsgHdrs | undefined {
    return this.args[0].headers;
  }
}
