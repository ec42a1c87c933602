# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The photos and notes of a done inspection and of a closed corrective
action, as the inspector and the store manager reach them through
ir.attachment and ir.note, access checks on"""
import datetime as dt
from contextlib import contextmanager

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.exceptions import (
    ResourceLockedError)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_user)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

ROLES = {
    'inspector': 'store_hygiene.group_hygiene_inspector',
    'store_manager': 'store_hygiene.group_hygiene_store_manager',
    }
PHOTO = b'JPEG'


class LockedEvidenceTestCase(ModuleDatabaseTestCase):
    "The attachments and notes of finished hygiene records stay as they are"
    modules = ['store_hygiene']
    translations = ['zh_CN']

    def setup_inspections(self):
        """A store inspected twice by the inspector: the first inspection
        done with a photo and a note on each line and on itself, the second
        in progress"""
        pool = Pool()
        Store = pool.get('hygiene.store')
        Checklist = pool.get('hygiene.checklist')
        Inspection = pool.get('hygiene.inspection')
        Line = pool.get('hygiene.inspection.line')
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')

        company = create_company()
        with set_company(company):
            employees = {role: create_employee(company, role)
                for role in ROLES}
            users = {role: create_user(
                    role, [xml_id], company, employees[role])
                for role, xml_id in ROLES.items()}
            chinese, = Lang.search([('code', '=', 'zh_CN')])
            User.write(list(users.values()), {'language': chinese.id})
            store, = Store.create([{
                        'name': "五一广场店",
                        'manager': employees['store_manager'].id,
                        }])
            checklist, = Checklist.search([])
            planned_at = dt.datetime(2025, 3, 1, 1)
            done, in_progress = Inspection.create_planned([{
                        'company': company.id,
                        'store': store.id,
                        'checklist': checklist.id,
                        'inspector': employees['inspector'].id,
                        'planned_at': planned_at + dt.timedelta(days=day),
                        'due_at': (
                            planned_at + dt.timedelta(days=day, hours=4)),
                        'lines': [('create', [{
                                        'item': item.id,
                                        'weight': item.weight,
                                        } for item in checklist.items[:2]])],
                        } for day in range(2)])

        with self.acting_as(users['inspector']):
            done, in_progress = Inspection.browse([done, in_progress])
            Inspection.start([done, in_progress])
            photos = [{
                    'resource': str(line),
                    'name': 'photo.jpg',
                    'data': PHOTO,
                    } for line in done.lines + in_progress.lines]
            sheet = {'resource': str(done), 'name': 'sheet.pdf', 'data': PHOTO}
            Attachment.create(photos + [sheet])
            Note.create([{
                        'resource': str(record),
                        'message': "当班店员在场",
                        } for record in [done, done.lines[0]]])
            Line.write(list(done.lines), {'result': 'pass'})
            Inspection.complete([done])
        return users, Inspection(done.id), Inspection(in_progress.id)

    @contextmanager
    def acting_as(self, user):
        "Act as the user through RPC, in the language of their preferences"
        with as_user(user), Transaction().set_context(
                language=user.language.code):
            yield

    def photo_of(self, record):
        Attachment = Pool().get('ir.attachment')
        photo, = Attachment.search([('resource', '=', str(record))])
        return photo

    def note_of(self, record):
        Note = Pool().get('ir.note')
        note, = Note.search([('resource', '=', str(record))])
        return note

    @with_transaction()
    def test_in_progress(self):
        """The inspector and the store manager add, change and delete the
        photos and notes of an inspection in progress"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        users, _, inspection = self.setup_inspections()
        line = inspection.lines[0]

        with self.acting_as(users['inspector']):
            photo, = Attachment.create([{
                        'resource': str(line),
                        'name': 'floor.jpg',
                        'data': PHOTO,
                        }])
            note, = Note.create([{
                        'resource': str(inspection),
                        'message': "收银台前地板有脚印",
                        }])
            Attachment.write([photo], {'name': 'floor-2.jpg'})
        with self.acting_as(users['store_manager']):
            Attachment.delete([Attachment(photo.id)])
            Note.delete([Note(note.id)])
        self.assertEqual(Attachment.search([('id', '=', photo.id)]), [])
        self.assertEqual(Note.search([('id', '=', note.id)]), [])

    @with_transaction()
    def test_done_line_photos(self):
        """Once the inspection is done, nobody adds, renames, moves or
        deletes a photo of its lines, in the user's language"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Line = pool.get('hygiene.inspection.line')
        users, done, in_progress = self.setup_inspections()
        line, other_line = done.lines
        photo = self.photo_of(line)
        open_photo = self.photo_of(in_progress.lines[0])

        with self.acting_as(users['inspector']):
            with self.assertRaises(ResourceLockedError) as refusal:
                Attachment.create([{
                            'resource': str(line),
                            'name': 'fake.jpg',
                            'data': b'FAKE',
                            }])
            self.assertEqual(refusal.exception.message,
                f"卫生检查明细“{Line(line.id).rec_name}”已完结，"
                "其附件和备注作为凭证保留，不能再添加、修改或删除。")
        for role in ROLES:
            with self.subTest(role=role), self.acting_as(users[role]):
                for values in [
                        {'name': 'fake.jpg'},
                        {'data': b'FAKE'},
                        {'resource': str(in_progress.lines[0])},
                        {'resource': str(other_line)},
                        ]:
                    with self.assertRaises(ResourceLockedError):
                        Attachment.write([Attachment(photo.id)], values)
                with self.assertRaises(ResourceLockedError):
                    Attachment.delete([Attachment(photo.id)])
        photo = Attachment(photo.id)
        self.assertEqual(
            (photo.resource, photo.name, photo.data),
            (line, 'photo.jpg', PHOTO))

        # Checked once moved, as the refusal rolls the whole call back
        with self.acting_as(users['store_manager']):
            with self.assertRaises(ResourceLockedError):
                Attachment.write([Attachment(open_photo.id)], {
                        'resource': str(line),
                        })

    @with_transaction()
    def test_done_notes(self):
        """Once the inspection is done, nobody adds, changes or deletes a
        note of it or of its lines, but everybody still reads them"""
        pool = Pool()
        Note = pool.get('ir.note')
        users, done, _ = self.setup_inspections()
        notes = {record: self.note_of(record)
            for record in [done, done.lines[0]]}

        for role in ROLES:
            with self.subTest(role=role), self.acting_as(users[role]):
                for record, note in notes.items():
                    with self.assertRaises(ResourceLockedError):
                        Note.create([{
                                    'resource': str(record),
                                    'message': "补记",
                                    }])
                    note = Note(note.id)
                    with self.assertRaises(ResourceLockedError):
                        Note.write([note], {'message': "改写"})
                    with self.assertRaises(ResourceLockedError):
                        Note.delete([note])
                    self.assertEqual(note.message, "当班店员在场")
                    # Reading it is still marking it read
                    Note.write([note], {'unread': False})
                    self.assertFalse(Note(note.id).unread)

    @with_transaction()
    def test_done_inspection_attachments(self):
        "The attachments of a done inspection stay as they are"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        users, done, _ = self.setup_inspections()
        sheet = self.photo_of(done)

        for role in ROLES:
            with self.subTest(role=role), self.acting_as(users[role]):
                with self.assertRaises(ResourceLockedError):
                    Attachment.create([{
                                'resource': str(done),
                                'name': 'fake.pdf',
                                'data': b'FAKE',
                                }])
                with self.assertRaises(ResourceLockedError):
                    Attachment.write([Attachment(sheet.id)], {
                            'description': "改写",
                            })
                with self.assertRaises(ResourceLockedError):
                    Attachment.delete([Attachment(sheet.id)])
                self.assertEqual(Attachment(sheet.id).name, 'sheet.pdf')

    @with_transaction()
    def test_closed_corrective_action(self):
        """The store manager documents the correction on the open action;
        once the re-inspection closed it, its photos stay as they are"""
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        Line = pool.get('hygiene.inspection.line')
        CorrectiveAction = pool.get('hygiene.corrective_action')
        Attachment = pool.get('ir.attachment')
        users, _, inspection = self.setup_inspections()

        with self.acting_as(users['inspector']):
            inspection = Inspection(inspection.id)
            Line.write(list(inspection.lines), {
                    'result': 'fail', 'note': "地板有脚印"})
            Inspection.complete([inspection])
        action, *_ = CorrectiveAction.search([])
        with self.acting_as(users['store_manager']):
            action = CorrectiveAction(action.id)
            photo, = Attachment.create([{
                        'resource': str(action),
                        'name': 'cleaned.jpg',
                        'data': PHOTO,
                        }])
            CorrectiveAction.write([action], {'correction': "已清洁地板"})
            CorrectiveAction.reinspect([action])
        with self.acting_as(users['inspector']):
            reinspection, = Inspection.search([
                    ('corrective_action', '=', action.id)])
            Line.write(list(reinspection.lines), {'result': 'pass'})
            Attachment.create([{
                        'resource': str(reinspection.lines[0]),
                        'name': 'passed.jpg',
                        'data': PHOTO,
                        }])
            Inspection.complete([reinspection])
        self.assertEqual(CorrectiveAction(action.id).state, 'closed')

        with self.acting_as(users['store_manager']):
            with self.assertRaises(ResourceLockedError):
                Attachment.create([{
                            'resource': str(action),
                            'name': 'fake.jpg',
                            'data': b'FAKE',
                            }])
            with self.assertRaises(ResourceLockedError):
                Attachment.delete([Attachment(photo.id)])
            # The photo of the re-inspection that closed it
            with self.assertRaises(ResourceLockedError):
                Attachment.delete(
                    [Attachment(self.photo_of(reinspection.lines[0]).id)])
        self.assertEqual(Attachment(photo.id).data, PHOTO)

    @with_transaction()
    def test_system(self):
        """The system, without access checks, still changes and deletes the
        attachments and notes of a done inspection"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        _, done, _ = self.setup_inspections()
        line = done.lines[0]
        photo = self.photo_of(line)

        Attachment.write([photo], {'name': 'photo-1.jpg'})
        Note.create([{'resource': str(line), 'message': "系统补记"}])
        Attachment.delete([photo])
        Note.delete(Note.search([('resource', '=', str(line))]))
        self.assertEqual(
            Attachment.search([('resource', '=', str(line))]), [])
