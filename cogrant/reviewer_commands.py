"""Responsible for `cogrant invite-reviewer`: inviting a reviewer by e-mail from the command line.

The same service as the administrators' page (services.reviewer_invitations): one e-mail per person and
round, however often the command is run. The e-mail is queued in the outbox and sent at once.
"""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError
from sqlalchemy import select

from cogrant.composition import build_app
from cogrant.config import load_settings
from models.enums import ReviewerType
from models.errors import NotFound
from models.reviewer_schemas import ReviewerInvitationInput
from models.rounds import FundingRound


def command_invite_reviewer(args: argparse.Namespace) -> int:
    from notifications.relay import send_pending
    from services.reviewer_invitations import invitation_signer, invite_reviewer

    try:  # the round is looked up below; 1 stands in for it while the rest is checked
        ReviewerInvitationInput(name=args.name, email=args.email, reviewer_type=args.type, round_id=1)
    except ValidationError as error:
        problems = "; ".join(f"{problem['loc'][0]}: {problem['msg']}" for problem in error.errors())
        print(f"cogrant invite-reviewer: {problems}", file=sys.stderr)
        return 2
    settings = load_settings()
    app = build_app(settings)
    try:
        with app.unit_of_work() as uow:
            funding_round = uow.session.scalar(select(FundingRound).where(FundingRound.slug == args.round))
            if funding_round is None:
                raise NotFound(f"no funding round with the slug {args.round!r}")
            given = ReviewerInvitationInput(
                name=args.name, email=args.email, reviewer_type=args.type, round_id=funding_round.id
            )
            invited = invite_reviewer(
                uow.session,
                given,
                actor="cli:invite-reviewer",
                notifier=app.notifier,
                signer=invitation_signer(settings.secret_key.get_secret_value()),
            )
            uow.commit()
        if invited.already_invited:
            print(f"{args.email} was already invited to {funding_round.name}; no e-mail sent this time.")
            return 0
        send_pending(app.sessions, app.smtp)
    finally:
        app.close()
    kept = f" (kept their existing type, {invited.kept_type})" if invited.kept_type else ""
    print(f"Invited {args.email} to review in {funding_round.name}{kept}.")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    invite = commands.add_parser("invite-reviewer", help="invite someone by e-mail to review in a round")
    invite.add_argument("email")
    invite.add_argument("--name", required=True, help="their full name")
    invite.add_argument("--type", required=True, choices=[str(kind) for kind in ReviewerType])
    invite.add_argument("--round", required=True, help="the round's slug")
    invite.set_defaults(run=command_invite_reviewer)
