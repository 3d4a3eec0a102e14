// Page notifications: one message at a time, shown by the Shell in AppLayout's sticky
// `notifications` slot (a Cloudscape Flashbar), so a message is seen wherever the page is scrolled.
// A message belongs to the route it was raised on and is not shown on any other.
import type { FlashbarProps } from '@cloudscape-design/components/flashbar';
import { createContext, useCallback, useContext, useEffect, useMemo } from 'react';
import { useLocation } from 'react-router-dom';
import { errorDetail, errorText } from '../hooks';

export interface Notice {
  path: string;
  message: FlashbarProps.MessageDefinition;
}

export const NoticeContext = createContext<(notice: Notice | null) => void>(() => undefined);

export interface Flash {
  error: (error: unknown, header?: string) => void;
  success: (header: string, content?: string) => void;
  clear: () => void;
}

export function useFlash(): Flash {
  const set = useContext(NoticeContext);
  const { pathname } = useLocation();
  const clear = useCallback(() => set(null), [set]);
  const show = useCallback(
    (message: FlashbarProps.MessageDefinition) =>
      set({ path: pathname, message: { dismissible: true, dismissLabel: 'Dismiss message', onDismiss: clear, ...message } }),
    [set, pathname, clear],
  );
  const error = useCallback(
    (e: unknown, header?: string) => {
      // With a header, the message and its detail go under it; without one, the message is it.
      const detail = errorDetail(e);
      show({
        type: 'error',
        id: 'error',
        header: header ?? errorText(e),
        content: header ? (detail ? `${errorText(e)} (${detail})` : errorText(e)) : detail,
      });
    },
    [show],
  );
  const success = useCallback(
    (header: string, content?: string) => show({ type: 'success', id: 'success', header, content }),
    [show],
  );
  return useMemo(() => ({ error, success, clear }), [error, success, clear]);
}

/** A failed load shown as the page's error message under `header`, once per failure. */
export function useLoadErrorFlash(error: Error | undefined, header: string): void {
  const { error: show } = useFlash();
  useEffect(() => {
    if (error) show(error, header);
  }, [error, header, show]);
}
