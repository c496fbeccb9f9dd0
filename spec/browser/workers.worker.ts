// The worker script of the browser spec's pages (the factory form): one bundle exposing every class the page
// instantiates; the pool picks one by its export name.
import { expose } from '../../lib/worker.ts';
import { Counter } from '../fixtures/counter.ts';
import { SharedModel } from '../fixtures/shared-model.ts';
import { Crasher } from './crasher.ts';
import { TransferModel } from '../fixtures/transfer-model.ts';

expose({ Counter, SharedModel, Crasher, TransferModel });
