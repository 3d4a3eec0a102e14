// The confirmation every destructive action goes through: a Modal that names what will happen and,
// when `confirmText` is given, enables its action only once that text has been typed.
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState, type ReactNode } from 'react';

export interface ConfirmModalProps {
  visible: boolean;
  header: string;
  children: ReactNode;
  /** The text to type before the action is enabled (e.g. the application's name). */
  confirmText?: string;
  actionLabel: string;
  busy?: boolean;
  error?: string;
  onConfirm: () => void;
  onDismiss: () => void;
}

export function ConfirmModal(props: ConfirmModalProps) {
  const [typed, setTyped] = useState('');
  useEffect(() => {
    if (props.visible) setTyped('');
  }, [props.visible]);
  const ready = !props.confirmText || typed === props.confirmText;

  return (
    <Modal
      visible={props.visible}
      header={props.header}
      closeAriaLabel="Close dialog"
      onDismiss={() => !props.busy && props.onDismiss()}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={props.onDismiss} disabled={props.busy}>
              Cancel
            </Button>
            <Button
              variant="primary"
              onClick={props.onConfirm}
              disabled={!ready}
              loading={props.busy}
              data-testid="confirm-action"
            >
              {props.actionLabel}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (ready && !props.busy) props.onConfirm();
        }}
      >
        <SpaceBetween size="m">
          <Box variant="span">{props.children}</Box>
          {props.confirmText !== undefined && (
            <FormField label={`To confirm, type "${props.confirmText}"`}>
              <Input value={typed} onChange={(event) => setTyped(event.detail.value)} autoComplete={false} />
            </FormField>
          )}
          {props.error && (
            <Alert type="error" header="The action failed">
              {props.error}
            </Alert>
          )}
        </SpaceBetween>
      </form>
    </Modal>
  );
}
