import { describeServiceLifecycle } from '@scheduler/testing';

describeServiceLifecycle('webex-bridge');
