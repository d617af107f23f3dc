import { describeServiceLifecycle } from '@scheduler/testing';

describeServiceLifecycle('google-ingest');
