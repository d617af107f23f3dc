import { describeServiceLifecycle } from '@scheduler/testing';

describeServiceLifecycle('gateway');
