# A one-machine JupyterHub for a transformer-lite class (notebooks/TEACHING.md, "Run the class on a hub").
#
#     jupyterhub -f deploy/jupyterhub/jupyterhub_config.py
#
# Every setting a class changes is an environment variable, so this file is used unchanged by the
# class machine, by tests/test_hub.py and by benchmarks/class_load.py:
#
#   CLASS_HUB_STATE     folder for the hub's database and cookie secret      (/srv/jupyterhub)
#   CLASS_HUB_URL       where the hub listens; put TLS (nginx, caddy) in front (http://127.0.0.1:8000)
#   CLASS_HUB_API_URL, CLASS_HUB_PROXY_API   the hub's and the proxy's internal APIs (loopback :8081, :8001)
#   CLASS_HUB_STUDENTS  comma-separated roster of usernames allowed in       (anyone the authenticator accepts)
#   CLASS_HUB_ADMINS    comma-separated instructors (admin rights)
#   CLASS_HUB_PASSWORD  set: one shared password for a workshop (SharedPasswordAuthenticator, needs a roster);
#                       unset: system accounts (PAM) and one system user per student
#   CLASS_HUB_HOMES     set: every student's server runs as the hub's user with home CLASS_HUB_HOMES/<name>
#                       (SimpleLocalProcessSpawner: no isolation between students' files on disk; tests only)
#   CLASS_HUB_IMAGE     set: every student's server runs in a container of this image (DockerSpawner, the
#                       course image of deploy/jupyterhub/Dockerfile) on the host's network, limits enforced
#   CLASS_HUB_CPUS      CPUs per student (1; 0 for none); the course reads it (CPU_LIMIT) to cap torch's threads
#   CLASS_HUB_MEMORY    memory per student (1G); see below for enforcement
#   CLASS_HUB_MAX_SERVERS  servers running at once (40)
#
# Limits. The local process spawner hands cpu_limit/mem_limit to each server as CPU_LIMIT/MEM_LIMIT
# (transformer_lite.config.cpu_quota() caps torch's threads from it) but cannot enforce them. To
# enforce them on one machine use containers (CLASS_HUB_IMAGE: docker enforces both) or The Littlest
# JupyterHub (systemdspawner: a cgroup per user), which reads the same numbers (`tljh-config set limits.cpu
# 1`, `limits.memory 1G`); on Kubernetes use zero-to-jupyterhub/config.yaml. benchmarks/class_load.py
# measured what a student needs.
#
# nbgrader's exchange (notebooks/TEACHING.md, "Grading with nbgrader"): the students' servers run nbgrader's
# assignment list (fetch, submit, feedback) when nbgrader is installed beside them; its settings come from a
# global nbgrader_config.py (/etc/jupyter, or a folder in JUPYTER_CONFIG_PATH, which the servers keep).
import os

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)
env = os.environ.get

state = env("CLASS_HUB_STATE", "/srv/jupyterhub")
os.makedirs(state, exist_ok=True)
c.JupyterHub.bind_url = env("CLASS_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = env("CLASS_HUB_API_URL", "http://127.0.0.1:8081")  # for the proxy and servers only
c.ConfigurableHTTPProxy.api_url = env("CLASS_HUB_PROXY_API", "http://127.0.0.1:8001")
c.JupyterHub.db_url = f"sqlite:///{os.path.join(state, 'jupyterhub.sqlite')}"
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "proxy.pid")

# Who gets in.
roster = [name for name in env("CLASS_HUB_STUDENTS", "").split(",") if name]
admins = [name for name in env("CLASS_HUB_ADMINS", "").split(",") if name]
if env("CLASS_HUB_PASSWORD"):
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = env("CLASS_HUB_PASSWORD")
    if not roster:
        raise SystemExit("CLASS_HUB_PASSWORD needs CLASS_HUB_STUDENTS (a shared password must not admit anyone)")
else:
    c.JupyterHub.authenticator_class = "pam"  # students log in with their system accounts
c.Authenticator.allowed_users = set(roster)
c.Authenticator.admin_users = set(admins)
c.Authenticator.allow_all = not roster

# Students' servers.
if env("CLASS_HUB_IMAGE"):
    from dockerspawner import DockerSpawner
    from jupyterhub.utils import random_port

    class HostNetworkSpawner(DockerSpawner):
        """DockerSpawner on the host's network (a daemon with no bridge works): each container's server
        listens on 127.0.0.1 at a free port of its own, where the hub finds it (DockerSpawner's documented
        override of get_ip_and_port for host networking)."""

        async def start(self):
            self.port = random_port()
            return await super().start()

        async def get_ip_and_port(self):
            return self.host_ip, self.port

    c.JupyterHub.spawner_class = HostNetworkSpawner
    c.DockerSpawner.image = env("CLASS_HUB_IMAGE")
    c.DockerSpawner.network_name = "host"
    c.DockerSpawner.ip = c.DockerSpawner.host_ip = "127.0.0.1"
    c.DockerSpawner.use_internal_ip = True  # no port bindings: a host-network container publishes none
    c.DockerSpawner.remove = True  # a stopped server's container goes (the student's files too: mount volumes)
elif env("CLASS_HUB_HOMES"):
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(env("CLASS_HUB_HOMES"), "{username}")
else:
    c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"  # each as its own system user
c.Spawner.default_url = "/lab"
c.Spawner.cpu_limit = float(env("CLASS_HUB_CPUS", "1")) or None  # 0: no limit (torch takes every core)
c.Spawner.mem_limit = env("CLASS_HUB_MEMORY", "1G")
if env("CLASS_HUB_IMAGE"):  # a container has its own PATH and environment (the image's)
    c.Spawner.env_keep = ["TRANSFORMER_LITE_FAST"]
else:
    c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "VIRTUAL_ENV", "TRANSFORMER_LITE_FAST", "MPLBACKEND"]
    c.Spawner.env_keep.append("JUPYTER_CONFIG_PATH")  # e.g. a folder with nbgrader's exchange settings
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=3600",  # a kernel idle for an hour gives its memory back
    "--MappingKernelManager.cull_interval=300",
]
if env("CLASS_HUB_HOMES") and os.geteuid() == 0:  # the servers run as the hub's user: root in a container
    c.Spawner.args.append("--ServerApp.allow_root=True")
c.JupyterHub.active_server_limit = int(env("CLASS_HUB_MAX_SERVERS", "40"))
c.JupyterHub.concurrent_spawn_limit = 10  # the start of a class: everyone logs in at once
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the students' servers too
# Answer a spawn request at once (202) and let the spawn-pending page show progress; waiting the default
# 10 s first hit "InvalidStateError: Exception is not set" in JupyterHub 6.1.1 when a server took longer.
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
