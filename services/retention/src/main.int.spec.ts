import { describeServiceLifecycle } from '@scheduler/testing';

describeServiceLifecycle('retention');
