"""Kubernetes: objects as `kubectl get -o json|yaml` prints them (objects.py, with workloads.py
and rbac.py) and API-server audit logs (audit.py, with audit_event.py, audit_targets.py,
audit_sessions.py and audit_emit.py)."""
