# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The complaints of the same incident counted together by emergency plans"
from sql import Union

from trytond.pool import Pool, PoolMeta


class EmergencyPlan(metaclass=PoolMeta):
    __name__ = 'complaint.emergency_plan'

    def _window_members(self, complaint, where):
        """With the complaints linked to them as the same incident, whatever
        their time, category and level"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        SameIncident = pool.get('complaint.same_incident')
        related = Complaint.__table__()
        same_incident = SameIncident.__table__()
        linked = same_incident.join(complaint,
            condition=same_incident.complaint == complaint.id
            ).join(related,
            condition=same_incident.related == related.id
            ).select(related.id,
            where=where & (related.state != 'cancelled')
            & self._not_in_incident(related))
        return Union(super()._window_members(complaint, where), linked)

    @classmethod
    def _incident_members(cls, complaint_ids):
        "The complaints linked as the same incident"
        SameIncident = Pool().get('complaint.same_incident')
        return SameIncident.members(complaint_ids)


class SameIncident(metaclass=PoolMeta):
    __name__ = 'complaint.same_incident'

    @classmethod
    def link(cls, pairs):
        """Link the pairs and check the activation of the emergency plans by
        their complaints"""
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        pairs = [(int(c), int(r)) for c, r in pairs if int(c) != int(r)]
        super().link(pairs)
        # Each complaint brings the others of its incident along
        Plan.check_activation(sorted({i for p in pairs for i in p}))
