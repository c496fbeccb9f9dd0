import { expose } from 'objectproxypool/worker';
import { Model } from './model.js';

expose(Model);
