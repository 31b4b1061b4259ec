"""The students' image (deploy/jupyterhub/Dockerfile), built and run on a machine with no image registry.

    python -m tools.image base     # Debian bookworm by debootstrap, imported as transformer-lite-base:bookworm
    python -m tools.image build    # build/wheels (pip, from this machine's package sources) + transformer-lite:local

A teacher elsewhere builds the Dockerfile as it stands (a public Jupyter base image, PyTorch's CPU index). Here
there is no image registry and no network but package registries, so the base image is made locally: a
minimal Debian bookworm from the Debian mirror apt already uses (``debootstrap``), imported with
``docker import``; and the Python packages come as a wheelhouse pip builds on this machine (``build/wheels``,
torch's CPU build included), passed to the build with ``--no-index``. Every build and container here uses
the host's network or none (the daemon runs with no bridge).

:func:`engine` finds a working docker, starting Debian's ``dockerd --bridge=none --iptables=false`` when it
is installed but not running and we are root; :class:`NoEngine` says why not (tests/test_image.py skips
with that reason).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "deploy" / "jupyterhub" / "Dockerfile"
WHEELS = ROOT / "build" / "wheels"  # .dockerignore lets this one folder of build/ into the context
BASE_TAG = "transformer-lite-base:bookworm"
IMAGE_TAG = "transformer-lite:local"
SUITE = "bookworm"
# What the base needs beyond minbase: Python 3.11 (the course's floor) with venv, and CA certificates.
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
# Removed from the base: apt's caches and lists (it installs nothing later), documentation, translations.
BASE_TRIM = ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/locale")
# What the image installs besides the course's own dependencies (see the Dockerfile).
IMAGE_EXTRAS = ("jupyterhub", "nbgitpuller", "nbgrader", "setuptools>=77")
TORCH = "torch==2.13.0"
DAEMON_LOG = Path(tempfile.gettempdir()) / "transformer-lite-dockerd.log"


class NoEngine(RuntimeError):
    """No container engine can run here; the message says why."""


def docker_cli() -> str | None:
    """Debian's docker client when installed (it matches Debian's daemon), else any on PATH."""
    return "/usr/bin/docker" if Path("/usr/bin/docker").exists() else shutil.which("docker")


def docker(*args: str, check: bool = True, timeout: float | None = None, **kw) -> subprocess.CompletedProcess:
    """Run one docker command; raise with its output when it fails (``check``)."""
    cli = docker_cli()
    if cli is None:
        raise NoEngine("no docker client installed (apt-get install docker.io)")
    result = subprocess.run([cli, *args], capture_output=True, text=True, timeout=timeout, check=False, **kw)
    if check and result.returncode != 0:
        output = (result.stdout[-6000:] + result.stderr[-4000:]).strip()
        raise RuntimeError(f"docker {' '.join(args[:3])} ... failed ({result.returncode}):\n{output}")
    return result


def engine(start_timeout: float = 60) -> str:
    """The docker client of a daemon that answers; start Debian's daemon (no bridge, no iptables) when it is
    installed, not running, and we are root. Raises :class:`NoEngine` with the reason otherwise."""
    cli = docker_cli()
    if cli is None:
        raise NoEngine("no container engine: no docker client installed (apt-get install docker.io)")
    if docker("info", check=False, timeout=30).returncode == 0:
        return cli
    dockerd = shutil.which("dockerd")
    if dockerd is None or os.geteuid() != 0:
        why = "no dockerd installed" if dockerd is None else "not root, so it cannot be started here"
        raise NoEngine(f"no container engine: the docker daemon does not answer and {why}")
    with open(DAEMON_LOG, "ab") as log:
        subprocess.Popen(
            [dockerd, "--bridge=none", "--iptables=false"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.time() + start_timeout
    while time.time() < deadline:
        if docker("info", check=False, timeout=30).returncode == 0:
            return cli
        time.sleep(1)
    tail = DAEMON_LOG.read_text(errors="replace")[-2000:]
    raise NoEngine(f"no container engine: dockerd did not start in {start_timeout:.0f} s:\n{tail}")


def exists(tag: str) -> bool:
    return docker("image", "inspect", tag, check=False).returncode == 0


def size_bytes(tag: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip())


def apt_mirror() -> str:
    """The Debian mirror apt uses on this machine (its sources), deb.debian.org if none is found."""
    for path in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        try:
            text = path.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            words = line.split()
            if words[:1] == ["deb"] and len(words) > 2 and words[2].startswith(SUITE):
                return words[1]
            if words[:1] == ["URIs:"] and "security" not in line and "debian" in line:
                return words[1]
    return "http://deb.debian.org/debian"


def make_base(tag: str = BASE_TAG, force: bool = False) -> dict:
    """Debian bookworm (minbase, Python 3.11) by debootstrap from apt's mirror, trimmed and imported as
    ``tag``. Needs root and debootstrap. Returns seconds and size; does nothing if ``tag`` exists."""
    engine()
    if exists(tag) and not force:
        return {"tag": tag, "made": False, "size_mb": round(size_bytes(tag) / 1e6)}
    if shutil.which("debootstrap") is None or os.geteuid() != 0:
        raise RuntimeError("making the base image needs root and debootstrap (apt-get install debootstrap)")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="transformer-lite-rootfs-", dir="/var/tmp") as tmp:
        rootfs = Path(tmp) / "rootfs"
        command = ["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", SUITE, str(rootfs)]
        done = subprocess.run([*command, apt_mirror()], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"debootstrap failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
        for folder in BASE_TRIM:
            shutil.rmtree(rootfs / folder, ignore_errors=True)
            (rootfs / folder).mkdir(parents=True, exist_ok=True)
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        cli = docker_cli()
        imported = subprocess.run(
            [cli, "import", "--change", 'CMD ["/bin/bash"]', "-", tag], stdin=tar.stdout, capture_output=True
        )
        tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise RuntimeError(f"docker import failed: {imported.stderr.decode(errors='replace')[-2000:]}")
    return {
        "tag": tag,
        "made": True,
        "seconds": round(time.perf_counter() - started),
        "size_mb": size_bytes(tag) // 10**6,
    }


def course_requirements() -> list[str]:
    """The course's runtime requirements (pyproject.toml), torch at the lock's version."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [TORCH, *[d for d in deps if not d.startswith("torch")], *IMAGE_EXTRAS]


def wheelhouse(dest: Path = WHEELS) -> dict:
    """Every wheel the image installs, built by this machine's pip at the lock's versions (torch's CPU
    build: refused otherwise). Returns seconds, count and megabytes."""
    started = time.perf_counter()
    dest.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--wheel-dir",
        str(dest),
        "-c",
        str(ROOT / "requirements.lock"),
    ]
    done = subprocess.run([*command, *course_requirements()], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pip wheel failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    torches = sorted(dest.glob("torch-*.whl"))
    if not torches or not all("+cpu" in p.name for p in torches):
        raise RuntimeError(f"the wheelhouse needs torch's CPU build; pip gave {[p.name for p in torches]}")
    wheels = list(dest.glob("*.whl"))
    return {
        "seconds": round(time.perf_counter() - started),
        "wheels": len(wheels),
        "mb": round(sum(p.stat().st_size for p in wheels) / 1e6),
    }


def build(tag: str = IMAGE_TAG, base: str = BASE_TAG, wheels: Path = WHEELS) -> dict:
    """``docker build`` of deploy/jupyterhub/Dockerfile from the repository root with the local base and
    wheelhouse as build arguments, on the host's network. Returns seconds and the image's size."""
    engine()
    inside = Path("/tmp/deps") / wheels.relative_to(ROOT / "build")  # where the Dockerfile copies build/
    args = {"BASE_IMAGE": base, "PIP_OPTIONS": f"--no-index --find-links {inside}"}
    started = time.perf_counter()
    command = ["build", "--network", "host", "--force-rm", "-f", str(DOCKERFILE), "-t", tag]
    docker(*command, *[f"--build-arg={k}={v}" for k, v in args.items()], str(ROOT), timeout=3600)
    return {"tag": tag, "seconds": round(time.perf_counter() - started), "size_mb": round(size_bytes(tag) / 1e6)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("base", "build"), help="base: the Debian base image; build: the image")
    parser.add_argument("--tag", default=None, help=f"image tag (default {BASE_TAG} / {IMAGE_TAG})")
    parser.add_argument("--force", action="store_true", help="make the base again even if it exists")
    args = parser.parse_args(argv)
    try:
        if args.what == "base":
            report = make_base(args.tag or BASE_TAG, force=args.force)
        else:
            report = {"wheelhouse": wheelhouse(), "image": build(args.tag or IMAGE_TAG)}
    except NoEngine as why:
        raise SystemExit(str(why)) from None
    print(json.dumps(report))


if __name__ == "__main__":
    main()
