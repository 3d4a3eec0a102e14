// A page's action (start, create, save, preview) run with its button busy meanwhile; a failure
// becomes the page's error message under a header saying what failed, so every form reports alike.
import { useCallback, useState } from 'react';
import { useFlash } from './notifications';

export interface BusyAction {
  busy: boolean;
  /** Runs `action`; true when it succeeded, false when it failed (the failure is then shown). */
  run: (failure: string, action: () => Promise<void>) => Promise<boolean>;
}

/** `then` follows every success: a form that adds to a list passes the list's reload, so the list
 * shows what was added. */
export function useBusyAction(then?: () => void): BusyAction {
  const { error: showError } = useFlash();
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (failure: string, action: () => Promise<void>) => {
      setBusy(true);
      try {
        await action();
        then?.();
        return true;
      } catch (e) {
        showError(e, failure);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [showError, then],
  );
  return { busy, run };
}
