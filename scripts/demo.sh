#!/usr/bin/env bash
# Builds and runs the example image: imports a busybox base image made from Debian's
# busybox-static, builds examples/hello with tsbuild, then runs it. Needs root (namespaces,
# overlay mounts), busybox-static and runc (or crun); run `npm run build` first.
# The store is $TSBUILD_ROOT (default /var/lib/tsbuild).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tsbuild=(node "$here/dist/cli/main.cjs")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A minimal rootfs: /bin/busybox with one symlink per applet, /etc/passwd and /etc/group.
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp" "$work/rootfs/root"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$work/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$work/rootfs/etc/passwd"
printf 'root:x:0:\n' > "$work/rootfs/etc/group"
chmod 1777 "$work/rootfs/tmp"
tar -C "$work/rootfs" -cf "$work/busybox.tar" .

"${tsbuild[@]}" import "$work/busybox.tar" busybox:latest
"${tsbuild[@]}" build -t hello:latest "$here/examples/hello"
"${tsbuild[@]}" run --rm hello:latest
