# Shared helpers for the scripts in this directory. Source it; it defines functions only.
#
#   step "what"        announce a step (==> what); failures name the current step
#   fail "why"         report the failing step and reason, exit 1
#   crate_field NAME   a field of this package from `cargo metadata` (version, target_directory)
#   target_dir         Cargo's target directory (honours CARGO_TARGET_DIR)
#   crate_version      the package version from Cargo.toml
#   profile_dir P      the directory under target/ that Cargo profile P builds into
#   os_arch            the Terraform platform of this machine, e.g. linux_amd64

STEP="start"

step() {
    STEP="$1"
    echo "==> $STEP" >&2
}

fail() {
    echo "FAILED at step '$STEP': $1" >&2
    exit 1
}

# Turn any unexpected command failure into a report naming the step.
trap_errors() {
    trap 'fail "command failed (exit $?): $BASH_COMMAND"' ERR
}

_CARGO_METADATA=""
crate_field() {
    if [[ -z "$_CARGO_METADATA" ]]; then
        _CARGO_METADATA="$(cargo metadata --no-deps --format-version 1)" \
            || fail "cargo metadata failed (is Rust installed?)"
    fi
    python3 -c '
import json, sys
meta = json.loads(sys.stdin.read())
field = sys.argv[1]
if field == "target_directory":
    print(meta["target_directory"])
else:
    pkg = next(p for p in meta["packages"] if p["name"] == "terraform-provider-maia")
    print(pkg[field])
' "$1" <<<"$_CARGO_METADATA" || fail "cannot read '$1' from cargo metadata"
}

target_dir() { crate_field target_directory; }
crate_version() { crate_field version; }

os_arch() {
    local os arch
    case "$(uname -s)" in
        Linux) os=linux ;;
        Darwin) os=darwin ;;
        FreeBSD) os=freebsd ;;
        *) fail "unsupported OS $(uname -s)" ;;
    esac
    case "$(uname -m)" in
        x86_64 | amd64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        i386 | i686) arch=386 ;;
        armv7l | armv6l) arch=arm ;;
        *) fail "unsupported CPU $(uname -m)" ;;
    esac
    echo "${os}_${arch}"
}

profile_dir() {
    case "$1" in
        dev | test) echo debug ;;
        bench) echo release ;;
        *) echo "$1" ;;
    esac
}
