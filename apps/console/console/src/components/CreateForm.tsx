// The form each list page puts under its list to create (or start) one more: its fields one under
// another in a Container, and the primary button below that submits them.
import Button from '@cloudscape-design/components/button';
import Form from '@cloudscape-design/components/form';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { FormEvent, ReactNode } from 'react';
import { Section } from './Section';

export function CreateForm(props: {
  title: string;
  description?: string;
  /** The submit button's text. */
  submit: string;
  busy: boolean;
  onSubmit: (event: FormEvent) => void;
  children: ReactNode;
}) {
  return (
    <form onSubmit={props.onSubmit}>
      <Form
        actions={
          <Button variant="primary" loading={props.busy}>
            {props.submit}
          </Button>
        }
      >
        <Section title={props.title} description={props.description}>
          <SpaceBetween size="m">{props.children}</SpaceBetween>
        </Section>
      </Form>
    </form>
  );
}
