"""How pytest runs the modules' tests.

pytest ignores Tryton's load_tests(), so the scenario_*.rst files are
collected here as Tryton doctests, run with the same set-up, teardown,
checker and option flags as trytond.tests.test_tryton.load_doc_tests.

trytond builds each test database from nothing: an empty database, ir and
res, then the modules of the test. With some thirty module sets in the
suite, that was most of its time. Here a test database starts from the
cached database of the largest module set it extends, built earlier in the
run, and activates only the modules it adds.
"""
import contextlib
import doctest
import json
import pathlib
import unittest
import unittest.mock

import pytest

ADDONS = {path.parent.name
    for path in pathlib.Path(__file__).parent.glob('addons/*/tryton.cfg')}

# Cache name of each module set's database built or restored in this run:
# (language, the modules activated in it)
_databases = {}
# While a database is built: the modules it must have, and whether they are
# activated by the button that refuses an activated module (proteus)
_wanted = {}


def pytest_configure(config):
    from trytond.tests import test_tryton, tools
    create_db = test_tryton.create_db
    activate_module = test_tryton.activate_module
    activate_modules = tools.activate_modules

    def create_db_from_cache(name=test_tryton.DB_NAME, lang='en'):
        if name != test_tryton.DB_NAME or test_tryton.db_exist(name):
            return create_db(name, lang)
        base = _largest_base(
            _wanted.get('modules', []), lang, _wanted.get('by_button'))
        if base and test_tryton.restore_db_cache(base):
            return
        if not test_tryton.restore_db_cache(f'--{lang}'):
            create_db(name, lang)
            test_tryton.backup_db_cache(f'--{lang}')

    def build_base(modules, lang, by_button):
        """Build the database of the modules' dependencies first, when no
        database built before can serve as base: the sets of the suite
        share the modules of addons/ they depend on (the platform's modules
        alone are not worth a database of their own)"""
        from trytond.modules import get_module_info
        if _largest_base(modules, lang, by_button):
            return
        depends = sorted({
                d for m in modules
                for d in get_module_info(m).get('depends', [])}
            - {'ir', 'res'} - set(modules))
        below = _with_depends(depends)
        if below & ADDONS and not below & set(modules):
            if test_tryton.db_exist(test_tryton.DB_NAME):
                test_tryton.drop_db()
            activate_module_from_cache(depends, lang)

    def activate_module_from_cache(modules, lang='en'):
        if isinstance(modules, str):
            modules = [modules]
        # An existing database is the one of the test, activated further
        if not test_tryton.db_exist(test_tryton.DB_NAME):
            build_base(modules, lang, by_button=False)
            test_tryton.drop_db()
        with _building(modules, by_button=False):
            activate_module(modules, lang)
        # The cache name trytond's activate_module gave the database
        name = '-'.join(modules) + (f'--{lang}' if lang != 'en' else '')
        _databases[name] = (lang, _with_depends(modules))

    def activate_modules_from_cache(modules, *setup):
        if isinstance(modules, str):
            modules = [modules]
        build_base(modules, 'en', by_button=True)
        with _building(modules, by_button=True):
            result = activate_modules(modules, *setup)
        # A set-up changes the data: not a base for other sets. The cache
        # name is the one trytond's activate_modules gave the database.
        if not setup:
            _databases['-'.join(sorted(modules))] = (
                'en', _with_depends(modules))
        return result

    test_tryton.create_db = create_db_from_cache
    test_tryton.activate_module = activate_module_from_cache
    tools.activate_modules = activate_modules_from_cache


@contextlib.contextmanager
def _building(modules, by_button):
    "The modules asked for, while their database is built"
    _wanted.update(modules=modules, by_button=by_button)
    try:
        yield
    finally:
        _wanted.clear()


def _with_depends(modules):
    from trytond.modules import get_module_info
    result, todo = {'ir', 'res'}, list(modules)
    while todo:
        name = todo.pop()
        if name not in result:
            result.add(name)
            todo.extend(get_module_info(name).get('depends', []))
    return frozenset(result)


def _largest_base(modules, lang, by_button):
    """The cache name of the largest database of the language to activate
    the modules in: it has some of their dependencies, or all of them and
    the modules themselves (a set asked for under another name), and
    activating them in it gives the database built from nothing: none of its
    modules has glue (extras_depend) for a module added, as the glue is only
    registered when its module is activated or updated. When the modules
    are activated by the button, which refuses an activated module, it has
    none of them."""
    from trytond.modules import get_module_info
    wanted = _with_depends(modules)

    def extends(base):
        added = wanted - base
        if by_button and base & set(modules):
            return False
        return base <= wanted and not any(
            added.intersection(get_module_info(m).get('extras_depend', []))
            for m in base)
    bases = [
        (len(base), name) for name, (language, base)
        in _databases.items() if language == lang and extends(base)]
    return max(bases)[1] if bases else None


def pytest_collect_file(parent, file_path):
    if file_path.suffix == '.rst' and file_path.name.startswith('scenario_'):
        return ScenarioFile.from_parent(parent, path=file_path)


class ScenarioFile(pytest.File):

    def collect(self):
        config = self.path.with_suffix('.json')
        configs = json.loads(config.read_text()) if config.exists() else [{}]
        for index, globs in enumerate(configs):
            name = self.path.stem if len(configs) == 1 else (
                f'{self.path.stem}[{index}]')
            yield ScenarioItem.from_parent(self, name=name, globs=globs)


class ScenarioFailed(Exception):
    pass


class ScenarioItem(pytest.Item):

    def __init__(self, *, globs, **kwargs):
        super().__init__(**kwargs)
        self.globs = globs

    def runtest(self):
        from trytond import backend
        from trytond.tests.test_tryton import (
            STRIP_DECIMAL, doctest_checker, doctest_setup, doctest_teardown)
        optionflags = (
            doctest.REPORT_ONLY_FIRST_FAILURE
            | doctest.ELLIPSIS
            | doctest.IGNORE_EXCEPTION_DETAIL)
        if backend.name == 'sqlite':
            optionflags |= STRIP_DECIMAL
        def teardown(test):
            # A clock or other patch a scenario left started
            unittest.mock.patch.stopall()
            return doctest_teardown(test)
        suite = doctest.DocFileSuite(
            str(self.path), module_relative=False, globs=dict(self.globs),
            setUp=doctest_setup, tearDown=teardown,
            encoding='utf-8', checker=doctest_checker,
            optionflags=optionflags)
        result = unittest.TestResult()
        suite.run(result)
        problems = result.failures + result.errors
        if problems:
            raise ScenarioFailed('\n'.join(text for _, text in problems))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f'scenario: {self.name}'
