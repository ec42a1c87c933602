# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta

CHANNELS = [
    ('bell', "Bell Only"),
    ('email', "Bell and Email"),
    ('digest', "Bell and Daily Digest"),
    ]
CHANNEL_HELP = (
    "The bell of the web client always rings.\n"
    "Bell and Email also mails it at once, "
    "Bell and Daily Digest in one mail each morning "
    "(to the email address of the user).")


def channel_field(string):
    "The field of how a user is told of a kind of notice"
    return fields.Selection(
        CHANNELS, string, required=True, sort=False, help=CHANNEL_HELP)


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    notice_activity_assigned = channel_field("Activity Assigned")
    notice_activity_due = channel_field("Activity Due Soon")
    notice_activity_overdue = channel_field("Activity Overdue or Escalated")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._preferences_fields += [
            'notice_activity_assigned',
            'notice_activity_due',
            'notice_activity_overdue',
            ]
        # Their field access hides them from every user, so that no search
        # spells them out (trytond blanks them only when read): loaded only
        # when asked for, not with the user
        for name in ['password_hash', 'password_reset']:
            getattr(cls, name).loading = 'lazy'

    # Told by email at once: the people these notices are for are often
    # away from the web client (see doc/design.rst)
    @classmethod
    def default_notice_activity_assigned(cls):
        return 'email'

    @classmethod
    def default_notice_activity_due(cls):
        return 'email'

    @classmethod
    def default_notice_activity_overdue(cls):
        return 'email'

    def notice_channel(self, kind):
        "How the user is told of a notice of the kind: bell, email or digest"
        return getattr(self, 'notice_%s' % kind)
