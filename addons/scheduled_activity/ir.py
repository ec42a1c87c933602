# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .enforce import ReadableReferencesMixin

# The platform's messages that this module says again, translated
RETRANSLATED = {'msg_button_state_record', 'msg_access_report_error'}


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('scheduled.activity|send_reminders',
                "Send Activity Reminders"))
        cls.method.selection.append(
            ('scheduled.activity.working_calendar|check_coverage',
                "Check Working Calendar Holidays"))
        cls.method.selection.append(
            ('scheduled.activity.mail|send_due', "Send Queued Mails"))
        cls.method.selection.append(
            ('scheduled.activity.mail.digest|send_digests',
                "Send Daily Digests of Notices"))


class Message(metaclass=PoolMeta):
    __name__ = 'ir.message'

    @classmethod
    def gettext(cls, module, message_id, language, **variables):
        # These refusals of the platform (a button on a record whose state
        # forbids it, typically a form not refreshed since another user
        # acted; a report the user may not run) have a fuzzy zh_CN
        # translation, which trytond skips: they would be shown in English.
        # Ours say the same, translated.
        if module == 'ir' and message_id in RETRANSLATED:
            module = 'scheduled_activity'
        return super().gettext(module, message_id, language, **variables)


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "employees" as list of ids of the employees of the current '
            'user and "user_id" as the id of the current user '
            '(for the models that ask for them)')

    @classmethod
    def _user_models(cls):
        "The models whose rules use the user's id and employees"
        return {'scheduled.activity'}

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if set(model_names) & cls._user_models():
            key = (*key, Transaction().user)
        return key

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        context = super()._get_context(model_name)
        if model_name in cls._user_models():
            context['employees'] = User.get_employees()
            context['user_id'] = Transaction().user
        return context


class ActionOwnMixin:
    """Refuse an action given with a report or a wizard that is not one of
    its actions

    trytond reads the groups (and, for a wizard, the models) of the action
    that the call gives: an action of another report or wizard has none, so
    a user passed the groups of a report or wizard, or printed a report
    with the template of another."""
    __slots__ = ()

    @classmethod
    def get_groups(cls, name, action_id=None):
        cls._check_own_action(name, action_id)
        return super().get_groups(name, action_id=action_id)

    @classmethod
    def _check_own_action(cls, name, action_id):
        if action_id is None or Transaction().user == 0:
            return
        with without_check_access():
            own = isinstance(action_id, int) and cls.search([
                    (cls._action_name, '=', name),
                    ('id', '=', action_id),
                    ], count=True)
        if not own:
            raise AccessError(*cls._action_refusal(name))


class ActionReport(ActionOwnMixin, metaclass=PoolMeta):
    __name__ = 'ir.action.report'

    @classmethod
    def _action_refusal(cls, name):
        return [gettext('ir.msg_access_report_error', report=name)]


class ActionWizard(ActionOwnMixin, metaclass=PoolMeta):
    __name__ = 'ir.action.wizard'

    @classmethod
    def get_models(cls, name, action_id=None):
        cls._check_own_action(name, action_id)
        return super().get_models(name, action_id=action_id)

    @classmethod
    def _action_refusal(cls, name):
        return [gettext('ir.msg_access_wizard_error', wizard=name)]


# The platform's models with a Reference field: see ReadableReferencesMixin

class Action(ReadableReferencesMixin, metaclass=PoolMeta):
    __name__ = 'ir.action'


class ActionKeyword(ReadableReferencesMixin, metaclass=PoolMeta):
    __name__ = 'ir.action.keyword'


class Menu(ReadableReferencesMixin, metaclass=PoolMeta):
    __name__ = 'ir.ui.menu'


class ModelLog(ReadableReferencesMixin, metaclass=PoolMeta):
    __name__ = 'ir.model.log'


class Avatar(ReadableReferencesMixin, metaclass=PoolMeta):
    __name__ = 'ir.avatar'


class Email(ReadableReferencesMixin, metaclass=PoolMeta):
    __name__ = 'ir.email'


class Error(ReadableReferencesMixin, metaclass=PoolMeta):
    __name__ = 'ir.error'


class ChatChannel(ReadableReferencesMixin, metaclass=PoolMeta):
    __name__ = 'ir.chat.channel'
