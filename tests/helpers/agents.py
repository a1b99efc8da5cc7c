"""Agents' tokens and proposals for tests of the people's side (the token admin, the case page).

- `agent_token(name, scope)`: a token made by the operator at the shell, with its plain copy.
- `propose(case, kind, text, ...)`: what a `propose` token's agent puts forward on `case`, through the
  service an API call uses (a draft: one the guard accepts for a label-only case, unless given).
"""

from cases.services import agent_proposals
from staletrack import tokens
from staletrack.models import ApiToken
from tests.helpers.workbench import FINE


def agent_token(name: str = "helper", scope: str = ApiToken.Scope.PROPOSE) -> tuple[ApiToken, str]:
    return tokens.create_token(name=name, scope=scope, actor=None)


def propose(case, kind: str = "draft", text: str = FINE, *, token=None, channel="", ending=""):
    token = token or agent_token()[0]
    return agent_proposals.propose(
        token=token, case=case, kind=kind, text=text, channel=channel, ending=ending
    )
