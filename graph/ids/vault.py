"""HashiCorp Vault ids: entities, tokens by their HMAC'd accessor, and secret paths.

Correlation rules:

- A Vault identity is its entity, `vault:entity:<entity_id>`; a token with no entity (a root or
  orphan token) is identified by its accessor alone.
- A token is `vault:token:<accessor as the audit device writes it>`: the device HMACs the
  accessor (`hmac-sha256:…`) unless `hmac_accessor=false`, and the same token has the same
  accessor text in every entry of one device, so a token's requests meet. Never the token itself.
- A secret path is `vault:path:<path>` as the request names it (`secret/data/payments/db`), so
  every read of one secret meets on one Resource.
- A policy is `vault:policy:<name>` (policy names are unique in a Vault namespace; `root` and
  `default` are built in), and a path pattern a policy grants is a `vault:path:<pattern>` like the
  paths requests name (`secret/data/payments/*`), so a grant and the reads it allows sit side by side.
- A Kubernetes-auth login names the ServiceAccount in `auth.metadata.service_account_namespace` /
  `service_account_name`: that is `k8s:<cluster>:sa:<namespace>/<name>` (graph/ids/kubernetes.py),
  the cluster from `--cluster` or `default`, so the Vault token meets the pods that run as it.
"""

from __future__ import annotations

from graph.ids._base import require

__all__ = ["vault_entity", "vault_path", "vault_policy", "vault_token"]


def _clean(value: str, what: str) -> str:
    return "_".join(require(value, what).split())


def vault_entity(entity_id: str) -> str:
    return f"vault:entity:{_clean(entity_id, 'entity id')}"


def vault_token(accessor: str) -> str:
    return f"vault:token:{_clean(accessor, 'token accessor')}"


def vault_path(path: str) -> str:
    return f"vault:path:{_clean(path.strip('/'), 'secret path')}"


def vault_policy(name: str) -> str:
    return f"vault:policy:{_clean(name, 'policy name')}"
