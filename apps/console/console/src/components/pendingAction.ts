// An action waiting on its confirmation dialog: what it will act on, the dialog's busy state and the
// failure it shows (the dialog stays open with the API's message); `confirm` runs the action, then
// closes the dialog and calls `then` (the page reloads what changed).
import { useCallback, useState } from 'react';

export interface PendingAction<T> {
  pending: T | undefined;
  ask: (what: T) => void;
  busy: boolean;
  failure: string | undefined;
  confirm: (act: (what: T) => Promise<void>) => Promise<void>;
  dismiss: () => void;
}

export function usePendingAction<T>(then: () => void): PendingAction<T> {
  const [pending, setPending] = useState<T>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();
  const confirm = useCallback(
    async (act: (what: T) => Promise<void>) => {
      if (pending === undefined) return;
      setBusy(true);
      setFailure(undefined);
      try {
        await act(pending);
        setPending(undefined);
        then();
      } catch (e) {
        setFailure(e instanceof Error ? e.message : String(e));
      } finally {
        setBusy(false);
      }
    },
    [pending, then],
  );
  const dismiss = useCallback(() => {
    setPending(undefined);
    setFailure(undefined);
  }, []);
  return { pending, ask: setPending, busy, failure, confirm, dismiss };
}
