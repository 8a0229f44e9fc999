# Sourced by ./run and ./test: a virtual environment in .venv with the given requirements file.
# It reinstalls only when the requirements files change.
requirements="$1"
if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv; then
    echo "Could not create a virtual environment: install Python's venv module (apt-get install python3-venv)." >&2
    exit 1
  fi
fi
stamp=".venv/.installed-$(cat requirements.txt "$requirements" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing $requirements into .venv ..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$requirements"
  touch "$stamp"
fi
# shellcheck disable=SC1091
source .venv/bin/activate
