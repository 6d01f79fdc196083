import { channelHandler } from '../caps/channels';
import { importHandler } from '../pairing/imports';
import { pairingHandler } from '../pairing/service';
import type { CapKind } from '../sab/layout';
import { fsHandler } from '../sandbox/fsHandler';
import { minterHandler, serviceHandler } from '../services/serviceHandler';
import { userSessionHandler } from '../subject/userSessionHandler';
import { refuse, type CapHandler } from './handler';

/** Caps that designate something but are not called: the router's refusal says what they are for instead. */
const notCallable: CapHandler = (k, r) =>
  refuse(
    k,
    r,
    'EPERM',
    r.cap.kind === 'endpoint'
      ? `@${r.capName} is the server side of an endpoint: it receives calls, it does not make them`
      : `@${r.capName} is a ${r.cap.kind} cap; it cannot be called`,
  );

/** One handler per cap kind: adding a kind is one handler file and one line here. */
export const HANDLERS: Record<Exclude<CapKind, 'none'>, CapHandler> = {
  channel: channelHandler,
  memory: channelHandler,
  fs: fsHandler,
  session: userSessionHandler,
  minter: minterHandler,
  client: serviceHandler,
  object: serviceHandler,
  import: importHandler,
  pairing: pairingHandler,
  endpoint: notCallable,
  spawner: notCallable,
  process: notCallable,
};
