import { stopTestInfra } from './packages/platform/src/testing/global-setup';

export default stopTestInfra;
