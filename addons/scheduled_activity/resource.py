# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The attachments and notes of a finished record are kept as they are"
from collections import defaultdict

from trytond.i18n import gettext
from trytond.pool import PoolMeta
from trytond.transaction import without_check_access

from .enforce import ReadableReferencesMixin, user_call
from .exceptions import ResourceLockedError


class LockedResourcesMixin:
    """Freeze the attachments and notes of some records

    Whoever may write a record may add, change and delete its attachments
    and notes (ir.attachment and ir.note), whatever the record's state. A
    model whose finished records keep them as evidence inherits this mixin
    and returns those records from resources_locked.
    """
    __slots__ = ()

    @classmethod
    def resources_locked(cls, records):
        "Return the records whose attachments and notes are frozen"
        return []


class ResourceLockCheckMixin:
    """Refuse to users the creation, change and deletion of the attachments
    or notes of a locked record

    The checks follow trytond's ResourceAccessMixin: after create, before
    and after write (the record may be moved to another resource), before
    delete; a refusal rolls the call back. The system (root, or access
    checks off) is not concerned.
    """
    __slots__ = ()

    @classmethod
    def create(cls, vlist):
        records = super().create(vlist)
        if user_call():
            cls._check_resources_locked(records)
        return records

    @classmethod
    def write(cls, *args):
        checked = user_call()
        if checked:
            changed, moved = [], []
            actions = iter(args)
            for records, values in zip(actions, actions):
                if cls._changes_record(values):
                    changed.extend(records)
                    if 'resource' in values:
                        moved.extend(records)
            cls._check_resources_locked(changed)
        super().write(*args)
        if checked:
            cls._check_resources_locked(moved)

    @classmethod
    def delete(cls, records):
        if user_call():
            cls._check_resources_locked(records)
        super().delete(records)

    @classmethod
    def _changes_record(cls, values):
        "Tell if writing the values changes the records"
        return True

    @classmethod
    def _check_resources_locked(cls, records):
        resources = defaultdict(set)
        # The user may not read the state that locks the resource
        with without_check_access():
            for record in cls.browse([r.id for r in records]):
                if isinstance(record.resource, LockedResourcesMixin):
                    resources[type(record.resource)].add(record.resource.id)
            for Resource, ids in resources.items():
                locked = Resource.resources_locked(
                    Resource.browse(list(ids)))
                if locked:
                    raise ResourceLockedError(gettext(
                            'scheduled_activity.msg_resource_locked',
                            **Resource.__names__(record=locked[0])))


class Attachment(
        ResourceLockCheckMixin, ReadableReferencesMixin, metaclass=PoolMeta):
    __name__ = 'ir.attachment'


class Note(
        ResourceLockCheckMixin, ReadableReferencesMixin, metaclass=PoolMeta):
    __name__ = 'ir.note'

    @classmethod
    def _changes_record(cls, values):
        # Marking a note read or unread only records who read it
        return set(values) != {'unread'}
