// One section of a page: a Container under an h2 heading, with what the section shows (description)
// and its buttons (actions) beside the heading.
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import type { ReactNode } from 'react';

export function Section(props: { title: string; description?: string; actions?: ReactNode; testId?: string; children: ReactNode }) {
  return (
    <Container
      header={
        <Header variant="h2" description={props.description} actions={props.actions}>
          {props.title}
        </Header>
      }
      data-testid={props.testId}
    >
      {props.children}
    </Container>
  );
}
