#!/usr/bin/env bash
# Builds app/Dockerfile for real without a daemon and without a registry, on a machine that cannot reach
# Docker Hub: a base image made here from scratch (Debian's nodejs binary and the libraries it links, plus
# busybox-static for the RUN steps), substituted for the pinned base through the NODE_IMAGE build argument.
# Then runs the image's verify stage, starts the runtime image and probes it.
#
#   apt-get install -y buildah podman busybox-static nodejs   # Debian packages
#   npm run build -w app && bash tools/image/build-local.sh
#
# Storage is vfs under a temporary root (no overlay mounts needed, works in an unprivileged container);
# everything is removed on exit. Not part of CI: the check that CI runs is `npm run check:image`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
store="$(mktemp -d)"
export BUILDAH_ISOLATION=chroot
common=(--storage-driver vfs --root "$store/root" --runroot "$store/run")
cleanup() { buildah "${common[@]}" rm --all >/dev/null 2>&1 || true; rm -rf "$store"; }
trap cleanup EXIT

[ -f "$repo/app/dist/server.js" ] || { echo "app/dist/server.js is missing: npm run build -w app first" >&2; exit 2; }

# 1. base: scratch + node (with the shared libraries ldd lists) + busybox as /bin/sh, ls, grep
ctr="$(buildah "${common[@]}" from scratch)"
mnt="$(buildah "${common[@]}" mount "$ctr")"
node_bin="$(command -v node)"
mkdir -p "$mnt/usr/local/bin" "$mnt/bin" "$mnt/tmp" "$mnt/etc"
cp "$node_bin" "$mnt/usr/local/bin/node"
for lib in $(ldd "$node_bin" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do
  mkdir -p "$mnt$(dirname "$lib")"; cp -L "$lib" "$mnt$lib"
done
cp /bin/busybox "$mnt/bin/busybox"
for tool in sh ls grep cat; do ln -s busybox "$mnt/bin/$tool"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' > "$mnt/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' > "$mnt/etc/group"
chmod 1777 "$mnt/tmp"
buildah "${common[@]}" config --env PATH=/usr/local/bin:/bin "$ctr"
buildah "${common[@]}" commit --quiet "$ctr" localhost/renfort-node-base:local >/dev/null
echo "base: localhost/renfort-node-base:local ($("$node_bin" --version), busybox $(/bin/busybox | head -1 | awk '{print $2}'))"

# 2. the app image, from app/ as context (app/.dockerignore applies), exactly app/Dockerfile
buildah "${common[@]}" bud --quiet --layers=false --build-arg NODE_IMAGE=localhost/renfort-node-base:local \
  -f "$repo/app/Dockerfile" -t localhost/renfort-app:local "$repo/app" >/dev/null
echo "image: localhost/renfort-app:local built from app/Dockerfile"

# 3. run it: the bundle's unknown-command check and the image's config
app="$(buildah "${common[@]}" from localhost/renfort-app:local)"
buildah "${common[@]}" inspect --format '{{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}} {{.OCIv1.Config.Cmd}}' "$app"
out="$(buildah "${common[@]}" run "$app" -- node /app/server.js unknown-command 2>&1 || true)"
echo "run: node /app/server.js unknown-command -> ${out:0:120}"
echo "$out" | grep -q 'unknown command'
buildah "${common[@]}" run "$app" -- ls /app /app/migrations

# 4. serve from the image against a PostgreSQL on this machine (DATABASE_URL given by the caller, e.g. the
#    local test server), then the image's own HEALTHCHECK command; bounded in time, loopback only.
if [ -n "${RENFORT_IMAGE_DATABASE_URL:-}" ]; then
  port="${RENFORT_IMAGE_PORT:-18931}"
  buildah "${common[@]}" run --env DATABASE_URL="$RENFORT_IMAGE_DATABASE_URL" --env PORT="$port" --env HOST=127.0.0.1 "$app" -- sh -c \
    "node /app/server.js migrate >/dev/null && (node /app/server.js serve >/tmp/serve.log 2>&1 &) && i=0; until node /app/server.js healthcheck; do i=\$((i+1)); [ \$i -lt 20 ] || { cat /tmp/serve.log; exit 1; }; sleep 0.5; done; echo 'healthcheck: GET /healthz answered 200 from the image'"
fi
