# Sourced by this folder's scripts: `require NAME` stops NAME with the command to run when the
# kelvin binary ($KELVIN) or Fashion-MNIST (Debian package dataset-fashion-mnist, or $KELVIN_DATA)
# is missing.
require() {
  [ -x "$KELVIN" ] || { echo "$1: $KELVIN not found; build it with: swift build -c release --product kelvin --static-swift-stdlib" >&2; exit 1; }
  local d
  for d in "${KELVIN_DATA:+$KELVIN_DATA/fashion-mnist}" /usr/share/datasets/fashion-mnist data/fashion-mnist ~/.cache/kelvin/fashion-mnist; do
    if [ -n "$d" ] && ls "$d"/t10k-images-idx3-ubyte* >/dev/null 2>&1; then return 0; fi
  done
  echo "$1: Fashion-MNIST not found; install the Debian package dataset-fashion-mnist (make deps) or set KELVIN_DATA" >&2
  exit 1
}
