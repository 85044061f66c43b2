import { startTestInfra } from './packages/platform/src/testing/global-setup';

export default startTestInfra;
