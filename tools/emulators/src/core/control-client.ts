/** A control-API call the emulator refused; carries what it answered. */
export class EmulatorControlError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`emulator control ${method} ${path} answered ${status}: ${body}`);
    this.name = 'EmulatorControlError';
  }
}

/**
 * The client for an emulator's control API (/control/…): tests, the demo and outside checks
 * drive the emulators through it. GET without a body, POST with one, unless told otherwise.
 */
export class EmulatorControl {
  constructor(
    private readonly baseUrl: string,
    private readonly options: { token?: string } = {},
  ) {}

  async request<T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    method: string = body === undefined ? 'GET' : 'POST',
  ): Promise<T> {
    const response = await fetch(`${this.baseUrl}/control${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (response.status >= 400) {
      throw new EmulatorControlError(method, path, response.status, await response.text());
    }
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
}
