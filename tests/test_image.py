"""The students' image (deploy/jupyterhub/Dockerfile) is built and run here (issue 23).

``python -m tools.image`` makes what a machine without an image registry lacks: a Debian bookworm base
(debootstrap, ``docker import``) and a wheelhouse built by this machine's pip, passed as the Dockerfile's
build arguments (its defaults are a teacher's: Jupyter's minimal-notebook image and PyTorch's CPU index).
Then, with the image:

- notebooks 00 and 07 of the image's student edition run top to bottom in a container with no network
  (``--network none``: nothing can be downloaded), in full mode, and every claim of docs/claims.md for them
  holds on what they recorded;
- the real JupyterHub (deploy/jupyterhub/jupyterhub_config.py, CLASS_HUB_IMAGE) spawns two students' servers
  as containers of the image (DockerSpawner, host network, 127.0.0.1) with the CPU and memory limits docker
  enforces; each student translates a test sentence in their kernel, with torch capped to one thread.

The image's size and build time are printed and written to test-artifacts/image.json. Skipped, with the
reason, only where no container engine can run (no docker, or a daemon that neither answers nor can be
started); where one runs, everything else (debootstrap, pip) must work.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest
from test_hub import COURSE_CODE, expected_translation

from tools import classhub
from tools import image as image_tools
from transformer_lite.claims import failed_claims, load_claims_table, read_claims
from transformer_lite.exercises.autograde import CLIENT_CLASS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ("00", "07")
STUDENTS = ["ada", "bob"]


@pytest.fixture(scope="module")
def image(artifacts):
    try:
        image_tools.engine()
    except image_tools.NoEngine as why:
        pytest.skip(str(why))
    started = time.perf_counter()
    facts = {"base": image_tools.make_base(), "wheelhouse": image_tools.wheelhouse(), "image": image_tools.build()}
    facts["seconds_in_all"] = round(time.perf_counter() - started)
    (artifacts / "image.json").write_text(json.dumps(facts, indent=1) + "\n")
    print(f"course image: {json.dumps(facts)}")
    return facts["image"]


def test_the_image_is_lean(image):
    """CPU-only torch and the course: no CUDA libraries, no build tools (a CUDA torch alone is ~5 GB).
    1515 MB on 2026-12-04 with the Korean edition (its font package adds 15 MB)."""
    assert image["size_mb"] < 1600, image
    listing = image_tools.docker("run", "--rm", "--network", "none", image["tag"], "pip", "list", "--format=json")
    installed = {p["name"].lower(): p["version"] for p in json.loads(listing.stdout)}
    assert installed["torch"].endswith("+cpu") and not any(name.startswith("nvidia") for name in installed)
    assert "transformer-lite" in installed and "nbgrader" not in installed, sorted(installed)


def test_notebooks_run_offline_in_the_image(image, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o777)  # the image's notebook user writes the executed notebooks there
    names = " ".join(f"{nn}_*.ipynb" for nn in NOTEBOOKS)
    # As a student starts: a copy of /srv/course in their home (the Zero to JupyterHub postStart hook).
    script = (
        f"cp -r /srv/course ~/course && cd ~/course && jupyter nbconvert --to notebook --execute {names} "
        f"--output-dir /out --ExecutePreprocessor.timeout=1200 --AsyncKernelManager.client_class={CLIENT_CLASS}"
    )
    started = time.perf_counter()
    command = ["run", "--rm", "--network", "none", "-v", f"{out}:/out", image["tag"], "bash", "-c", script]
    image_tools.docker(*command, timeout=2400)
    print(f"notebooks {', '.join(NOTEBOOKS)} in the image, no network: {time.perf_counter() - started:.0f} s")
    table = load_claims_table(ROOT / "docs" / "claims.md")
    for nn in NOTEBOOKS:
        (path,) = out.glob(f"{nn}_*.ipynb")
        nb = nbformat.read(path, as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.get("output_type") == "error"], nn
        assert not failed_claims(table, nn, read_claims(nb)), failed_claims(table, nn, read_claims(nb))


def test_the_hub_spawns_students_as_containers(image, tmp_path):
    started = time.perf_counter()
    hub = classhub.ClassHub(tmp_path, STUDENTS, cpus=1, image=image["tag"], memory="2G")
    with hub:
        students = {name: hub.login(name) for name in STUDENTS}
        for student in students.values():
            student.start()
        for student in students.values():
            student.wait_ready(timeout=300)
        containers = {name: _inspect(f"jupyter-{name}") for name in STUDENTS}
        for name, c in containers.items():
            assert c["Config"]["Image"] == image["tag"] and c["HostConfig"]["NetworkMode"] == "host", name
            assert (c["HostConfig"]["CpuQuota"], c["HostConfig"]["CpuPeriod"]) == (100_000, 100_000), name
            assert c["HostConfig"]["Memory"] == 2 * 2**30, name
        for index, (name, student) in enumerate(students.items()):
            kernel = student.kernel()
            out = kernel.run(COURSE_CODE.format(index=index, secret=f"{name}'s secret"))
            user, cwd, threads, _, words = out.strip().split("\t")
            assert (user, cwd, threads) == (name, "/home/jovyan", "1"), out
            assert words == expected_translation(index), name
            kernel.close()
        for student in students.values():
            student.stop()
        code = hub.stop()
    assert code == 0, hub.log_tail()
    left = image_tools.docker("ps", "-aq", "--filter", "name=jupyter-").stdout.strip()
    assert not left, "the students' containers were not removed"
    print(f"hub with {len(STUDENTS)} students in containers: {time.perf_counter() - started:.0f} s")


def _inspect(name: str) -> dict:
    return json.loads(image_tools.docker("inspect", name).stdout)[0]
