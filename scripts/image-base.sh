#!/usr/bin/env bash
# Makes the distroless-style base of the helper image from Debian packages, for machines that cannot pull
# gcr.io/distroless/cc-debian12 (the base a release uses, see README "Releasing"). mmdebstrap downloads and verifies
# the packages (signed Release file, sha256 of every .deb); only what Node needs is kept: glibc, libgcc and libstdc++,
# the CA certificate bundle, time zones, and /etc/passwd and /etc/group with root and nonroot (65532), laid out like
# distroless (including /var/lib/dpkg/status.d so image scanners know the package versions). No shell, no package
# manager, no coreutils.
#
# Usage: image-base.sh ROOTFS_DIR [ARCH]   (ARCH: a Debian architecture, default this machine's; needs root)
# Environment: UIMGACC_DEBIAN_SUITE (bookworm), UIMGACC_DEBIAN_MIRROR (http://deb.debian.org/debian)
set -euo pipefail

out=${1:?usage: image-base.sh ROOTFS_DIR [ARCH]}
arch=${2:-$(dpkg --print-architecture)}
suite=${UIMGACC_DEBIAN_SUITE:-bookworm}
mirror=${UIMGACC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=(libc6 libgcc-s1 libstdc++6 ca-certificates tzdata)

command -v mmdebstrap >/dev/null || { echo "image-base.sh: mmdebstrap is missing (apt-get install -y mmdebstrap)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The extract variant only downloads and unpacks, running no maintainer scripts; the .deb files are kept so that
# exactly the wanted packages (not their dependencies such as debconf, openssl and perl) go into the image.
joined=$(IFS=,; echo "${packages[*]}")
mmdebstrap --quiet --variant=extract --architectures="$arch" --skip=cleanup/apt/cache --include="$joined" \
  "$suite" "$work/debootstrap" "$mirror" >&2

rm -rf "$out"
mkdir -p "$out/var/lib/dpkg/status.d"
for p in "${packages[@]}"; do
  deb=$(find "$work/debootstrap/var/cache/apt/archives" -maxdepth 1 -name "${p}_*.deb" | head -n1)
  [ -n "$deb" ] || { echo "image-base.sh: ${p} was not downloaded" >&2; exit 1; }
  dpkg-deb --extract "$deb" "$out"
  dpkg-deb --field "$deb" > "$out/var/lib/dpkg/status.d/$p"
done

# What update-ca-certificates would do: one bundle of Mozilla's roots (Node and OpenSSL read the bundle).
mkdir -p "$out/etc/ssl/certs"
find "$out/usr/share/ca-certificates/mozilla" -name '*.crt' | LC_ALL=C sort | xargs cat > "$out/etc/ssl/certs/ca-certificates.crt"

# Programs and data Node never uses: libc's tools (ldd and tzselect are shell scripts), the ca-certificates updater,
# iconv modules, locales, documentation.
rm -rf "$out/usr/bin" "$out/usr/sbin" "$out/sbin" "$out/bin" "$out/usr/libexec" \
  "$out/usr/share/ca-certificates" "$out/usr/share/doc" "$out/usr/share/man" "$out/usr/share/lintian" \
  "$out/usr/share/locale" "$out/usr/share/i18n" "$out/usr/lib/locale" "$out/usr/share/gcc" "$out/usr/share/gdb" \
  "$out/etc/ca-certificates" \
  "$out"/usr/lib/*-linux-gnu*/gconv
cat > "$out/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat > "$out/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
nonroot:x:65532:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$out/etc/nsswitch.conf"
version=$(sed -n 's/^Version: //p' "$out/var/lib/dpkg/status.d/libc6")
cat > "$out/etc/os-release" <<EOF
PRETTY_NAME="Distroless-style base from Debian $suite packages (glibc $version)"
ID=debian
VERSION_CODENAME=$suite
HOME_URL="https://github.com/ucloud/kubectl-uimgacc"
EOF
mkdir -p "$out/tmp" "$out/root" "$out/home/nonroot"
chmod 1777 "$out/tmp"
chmod 700 "$out/root" "$out/home/nonroot"
chown 65532:65532 "$out/home/nonroot"
