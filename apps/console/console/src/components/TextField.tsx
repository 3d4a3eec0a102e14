// A labelled one-line text input (FormField around Input) whose onChange hands over the text, as
// most form fields of the console are.
import FormField from '@cloudscape-design/components/form-field';
import Input, { type InputProps } from '@cloudscape-design/components/input';
import type { ReactNode } from 'react';

export type TextFieldProps = Omit<InputProps, 'value' | 'onChange'> & {
  label: ReactNode;
  description?: ReactNode;
  constraintText?: ReactNode;
  error?: string;
  value: string;
  onChange: (value: string) => void;
};

export function TextField({ label, description, constraintText, error, onChange, ...input }: TextFieldProps) {
  return (
    <FormField label={label} description={description} constraintText={constraintText} errorText={error}>
      <Input {...input} onChange={(e) => onChange(e.detail.value)} />
    </FormField>
  );
}
