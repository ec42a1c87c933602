# This file is part of the complaint_plan module.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _user_models(cls):
        "Models whose record rules depend on the user and their employees"
        return {'complaint.complaint'}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "user_id" and "employees" (ids) of the current user '
            'for some models')

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        context = super()._get_context(model_name)
        if model_name in cls._user_models():
            context['user_id'] = Transaction().user
            context['employees'] = list(User.get_employees())
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if set(model_names) & cls._user_models():
            key = (*key, Transaction().user)
        return key
