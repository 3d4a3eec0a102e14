// A labelled password input. autoComplete is required so that a password manager tells the
// sign-in password ("current-password") from one being chosen ("new-password").
import { TextField, type TextFieldProps } from './TextField';

export function PasswordField(props: Omit<TextFieldProps, 'type' | 'autoComplete'> & { autoComplete: 'current-password' | 'new-password' }) {
  return <TextField {...props} type="password" />;
}
