import { runAction } from './run-action.js';

// The runner runs this file with node24; runAction reports every failure through core.setFailed.
void runAction();
