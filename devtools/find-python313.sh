#!/usr/bin/env bash
# Prints the path of a working Python 3.13 interpreter (the Lambda runtime we build and test
# with), looking on PATH first and then in pyenv; exits 1 with a plain message when none exists.
set -u
candidates=(python3.13)
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.13(\.[0-9]+)?$' | sort -rV); do
    candidates+=("$(pyenv root)/versions/$v/bin/python3.13")
  done
fi
for v in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do
  candidates+=("$v")
done
for c in "${candidates[@]}"; do
  # A pyenv shim exists on PATH even when 3.13 is not selected, so run it rather than trust it.
  exe=$("$c" -c 'import sys; assert sys.version_info[:2] == (3, 13); print(sys.executable)' 2>/dev/null) || continue
  echo "$exe"
  exit 0
done
echo "Python 3.13 was not found (looked on PATH and in pyenv). Install it, e.g. 'pyenv install 3.13', then run make again." >&2
exit 1
