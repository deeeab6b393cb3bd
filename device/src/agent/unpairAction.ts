/**
 * `POST /api/pairing/unpair` on the agent's localhost server: the glass's two-step unpair
 * (`request` shows "Unpair from …?", `confirm` within the window does it, `cancel` takes it away).
 * Every refusal says why; the live `link` event carries the question's deadline to the UI.
 */
import { z } from 'zod';
import type { PairingFlow } from '../pairing/index.ts';
import type { ActionAnswer } from './liveServer.ts';

const bodySchema = z.strictObject({ step: z.enum(['request', 'confirm', 'cancel']) });

/** `pairingFlow()`: the agent's flow, undefined while pairing is off (no link or credentials). */
export function unpairAction(pairingFlow: () => PairingFlow | undefined): (body: unknown) => Promise<ActionAnswer> {
  /** The deadline of the last question asked, to tell "too late" from "never asked". */
  let askedUntil: number | undefined;
  const refuse = (status: number, error: string): ActionAnswer => ({ status, body: { error } });

  return async (body) => {
    const parsed = bodySchema.safeParse(body);
    if (!parsed.success) return refuse(400, 'body must be {"step": "request" | "confirm" | "cancel"}');
    const flow = pairingFlow();
    if (!flow) return refuse(503, 'pairing is off on this mirror: it has no gateway link or no credentials');
    const view = flow.view();

    switch (parsed.data.step) {
      case 'request': {
        const v = flow.requestUnpair();
        if (v.kind !== 'confirm-unpair') return refuse(409, 'this mirror is not paired: there is nothing to unpair');
        askedUntil = v.until;
        return { status: 200, body: { step: 'confirm', until: new Date(v.until).toISOString(), ...(v.displayName ? { displayName: v.displayName } : {}) } };
      }
      case 'cancel':
        askedUntil = undefined;
        flow.cancelUnpair();
        return { status: 200, body: { cancelled: view.kind === 'confirm-unpair' } };
      case 'confirm': {
        const lapsed = askedUntil !== undefined && Date.now() > askedUntil;
        if (view.kind !== 'confirm-unpair' || Date.now() > view.until) {
          flow.cancelUnpair();
          return lapsed
            ? refuse(409, `too late: the time to confirm ran out at ${new Date(askedUntil!).toISOString()}; press "Unpair this mirror" again`)
            : refuse(409, 'no unpair awaits confirmation: press "Unpair this mirror" first');
        }
        askedUntil = undefined;
        const done = await flow.confirmUnpair();
        if (done) return { status: 200, body: { unpaired: true } };
        const after = flow.view();
        return after.kind === 'error' ? refuse(502, `the gateway did not unpair: ${after.message}`) : refuse(409, 'the gateway has no pairing for this mirror');
      }
    }
  };
}
