# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


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
        # The platform's refusal of a button on a record whose state forbids
        # it (typically a form not refreshed since another user acted) has a
        # fuzzy zh_CN translation, which trytond skips: it would be shown in
        # English. Ours says the same, translated.
        if (module, message_id) == ('ir', 'msg_button_state_record'):
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
