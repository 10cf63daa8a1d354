# kabigate dnf plugin (dnf 4, Python 3): keeps kmod packages and kernels that would not load together out of the
# transaction. After the sack is loaded it asks the kabigate CLI, with the enabled repositories' metadata and the
# install root's rpm database:
#   mask: which kmod packages no available or installed kernel can carry (their kernel(sym) = CRC requirements,
#         compared by CRC: ELRepo's yum plugin, for every kernel family);
#   hold: which available kernels an installed kmod would not load on;
# and excludes those packages from the sack, one line per package with the reason. dnf decides the rest.
#
# Configuration: /etc/dnf/plugins/kabigate.conf (see the file kabigate install-dnf-plugin writes).
# The plugin is thin on purpose: every decision is the CLI's (kabigate mask|hold|mask-and-hold --format json; mode
# both runs mask-and-hold, one process reading the metadata once).

import json
import logging
import os
import signal
import subprocess

import dnf
import dnf.exceptions

try:
    import rpm
except ImportError:  # dnf always has rpm; kept importable for tests of the module alone
    rpm = None

logger = logging.getLogger('dnf.plugin')

MODES = ('mask', 'hold', 'both')
SCHEMA = 2  # the JSON contract of 'kabigate mask|hold|mask-and-hold --format json' this plugin reads
DEFAULT_TIMEOUT = 300


class Kabigate(dnf.Plugin):
    """Excludes kmods no kernel can carry and kernels an installed kmod would not load on."""

    name = 'kabigate'

    def __init__(self, base, cli):
        super(Kabigate, self).__init__(base, cli)
        self.mode = 'both'
        self.strict = True
        self.in_use = False
        self.binary = 'kabigate'
        self.timeout = DEFAULT_TIMEOUT
        self.policy = None

    def config(self):
        conf = self.read_config(self.base.conf)

        def get(option, default):
            if conf.has_section('main') and conf.has_option('main', option):
                return conf.get('main', option).strip()
            return default

        def flag(option, default):
            return get(option, '1' if default else '0').lower() in ('1', 'yes', 'true', 'on')

        self.mode = get('mode', 'both').lower()
        if self.mode not in MODES:
            raise dnf.exceptions.ConfigError(
                "kabigate: mode must be one of %s, not '%s'" % (', '.join(MODES), self.mode))
        self.strict = flag('strict', True)
        self.in_use = flag('in_use', False)
        self.binary = get('kabigate', 'kabigate') or 'kabigate'
        self.policy = get('policy', '') or None
        try:
            self.timeout = int(get('timeout', str(DEFAULT_TIMEOUT)))
        except ValueError:
            raise dnf.exceptions.ConfigError("kabigate: timeout must be a number of seconds")

    def sack(self):
        repos = list(self.base.repos.iter_enabled())
        if not repos:
            return
        verbs = ['mask', 'hold'] if self.mode == 'both' else [self.mode]
        locations = []
        self._repo_at = {}
        for repo in repos:
            location = self._location(repo)
            if location is None:
                # A repository kabigate cannot read may hold the very kernel a kmod needs: judge nothing.
                self._failed(verbs[0], "no metadata of repository '%s' to read (no repodata/ in its cache, no base URL)" % repo.id)
                return
            if location in self._repo_at:
                self._failed(verbs[0], "repositories '%s' and '%s' have the same metadata location %s" % (self._repo_at[location], repo.id, location))
                return
            locations.append(location)
            self._repo_at[location] = repo.id
        root = self.base.conf.installroot or '/'
        dbpath = self._dbpath()
        if not self._has_rpmdb(root, dbpath) and 'hold' in verbs:
            verbs.remove('hold')  # nothing installed yet: no kmod to keep loading
        # Both gates are answered by one kabigate run (mask-and-hold: the metadata and the rpm database read once);
        # its failure is reported as the first gate's, and the exclusions are applied only when both reports came
        # back whole, so that a failure leaves the sack as dnf made it.
        run = 'mask-and-hold' if verbs == ['mask', 'hold'] else verbs[0]
        process = self._start(run, locations, root, dbpath)
        try:
            answer = self._finish(verbs[0], process)
        finally:
            if not isinstance(process, str):
                self._kill(process)
        if answer is None:
            return  # strict is off: dnf goes on unfiltered (said once)
        if run == 'mask-and-hold':
            problem = None
            if not isinstance(answer, dict):
                problem = 'not a JSON object'
            elif answer.get('schema') != SCHEMA:
                problem = 'not a schema %d report (is kabigate the same version as this plugin?)' % SCHEMA
            elif not all(isinstance(answer.get(verb), dict) for verb in verbs):
                problem = "no object 'mask' and 'hold'"
            if problem is not None:
                self._failed(verbs[0], 'malformed answer: %s' % problem)
                return
            answers = [(verb, answer[verb]) for verb in verbs]
        else:
            answers = [(run, answer)]
        reports = []
        for verb, report in answers:
            report = self._checked(verb, report)
            if report is None:
                return
            reports.append((verb, report))
        for verb, report in reports:
            self._exclude(verb, report)

    def _location(self, repo):
        """The repository's metadata as dnf has it: its cache directory (with repodata/), else its first base URL."""
        try:
            cachedir = repo._repo.getCachedir()
        except (AttributeError, RuntimeError):
            cachedir = None
        if cachedir and os.path.isfile(os.path.join(cachedir, 'repodata', 'repomd.xml')):
            return cachedir
        for url in repo.baseurl or []:
            if url.startswith(('http://', 'https://', 'file://')):
                return url
        return None

    @staticmethod
    def _dbpath():
        if rpm is not None:
            path = rpm.expandMacro('%_dbpath')
            if path and not path.startswith('%'):
                return path
        return None

    @staticmethod
    def _has_rpmdb(root, dbpath):
        if dbpath is None:
            return True  # let kabigate search
        directory = os.path.join(root, dbpath.lstrip('/'))
        return any(os.path.exists(os.path.join(directory, f)) for f in ('rpmdb.sqlite', 'Packages', 'Packages.db'))

    def _start(self, verb, locations, root, dbpath):
        """Starts kabigate VERB; returns the process, or the reason it could not start."""
        args = [self.binary, verb, '--format', 'json', '--installroot', root]
        if dbpath:
            args += ['--dbpath', dbpath]
        if verb != 'mask' and self.in_use:
            args += ['--in-use', '--proc-modules', '/proc/modules']
        if verb != 'mask' and self.policy:
            args += ['--policy', self.policy]
        for location in locations:
            args += ['--repo', location]
        logger.debug('kabigate: running %s', ' '.join(args))
        try:
            # Its own session (and so process group): on a timeout the whole group is killed, a wrapper script that
            # does not exec kabigate included, so nothing it started keeps dnf waiting on its pipes.
            return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                                    start_new_session=True)
        except OSError as e:
            return str(e)

    @staticmethod
    def _kill(process):
        """Kills kabigate's process group (whatever is left of it) and reaps kabigate."""
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass  # the group is gone already
        if process.poll() is None:
            process.kill()
            process.wait()

    def _finish(self, verb, process):
        """Waits for kabigate VERB; returns its JSON report, or None when it failed and strict is off."""
        if isinstance(process, str):
            return self._failed(verb, process)
        try:
            stdout, stderr = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self._kill(process)
            process.communicate()
            return self._failed(verb, 'no answer within %d s (timeout in kabigate.conf)' % self.timeout)
        if process.returncode not in (0, 1):
            lines = [l for l in stderr.splitlines() if l.strip()]
            errors = [l for l in lines if ': ERROR: ' in l] or lines
            detail = errors[0] if errors else 'exit status %d' % process.returncode
            if len(errors) > 1:
                detail += ' (and %d more)' % (len(errors) - 1)
            return self._failed(verb, detail)
        try:
            return json.loads(stdout)
        except ValueError as e:
            return self._failed(verb, 'unreadable output: %s' % e)

    def _checked(self, verb, report):
        """The report when it has the shape _exclude reads; else kabigate counts as failed (strict or not)."""
        problem = malformed(verb, report)
        if problem is None:
            strangers = [e['package']['origin'] for e in report.get('excludes', []) if e['package']['origin'] not in self._repo_at]
            if strangers:
                problem = 'it excludes a package of a repository it was not given (%s)' % strangers[0]
        if problem is not None:
            return self._failed(verb, 'malformed answer: %s' % problem)
        return report

    def _failed(self, verb, detail):
        message = 'kabigate %s failed: %s' % (verb, safe(detail))
        if self.strict:
            raise dnf.exceptions.Error(message + ' (strict = 1 in kabigate.conf: stopping)')
        logger.warning('%s; going on without kABI filtering (strict = 0)', message)
        return None

    def _exclude(self, verb, report):
        """Excludes exactly the package objects kabigate names: each from the repository that offered it (its
        'origin' is the --repo location this plugin passed), never a NEVRA across repositories. The report was
        checked by _checked: every key read here is there, with its type."""
        excluded = 0
        for entry in report.get('excludes', []):
            package = entry['package']
            repo_id = self._repo_at[package['origin']]
            query = self.base.sack.query().available().filter(
                name=package['name'], epoch=int(package.get('epoch') or 0), version=package['version'],
                release=package['release'], arch=package['arch'], reponame=repo_id)
            if not query:
                continue
            self.base.sack.add_excludes(query)
            excluded += 1
            logger.info('kabigate %s: excluding %s from %s: %s', verb, safe(package['nevra']), safe(repo_id), safe(entry['reason']))
        for entry in report.get('kmods', []):
            if entry.get('verdict') == 'not-judged':
                logger.info('kabigate %s: %s %s', verb, safe(entry['package']['nevra']), safe(entry['reason']))
        if verb == 'hold':
            for entry in report.get('not_judged', []):
                logger.info('kabigate hold: installed %s %s', safe(entry['package']), safe(entry['reason']))
            newest = report.get('newest')
            if excluded and newest:
                logger.info('kabigate hold: newest available kernel on which every installed kmod loads: %s (%s)',
                            safe(newest['release']), safe(newest['package']))
            elif excluded:
                logger.info('kabigate hold: no available kernel on which every installed kmod loads')



def safe(text):
    """Text from a repository (names, reasons) as dnf may print it as root: control characters as \\xNN."""
    return ''.join(c if c == '\t' or (' ' <= c and c != '\x7f' and not '\x80' <= c <= '\x9f' and c not in '\u2028\u2029')
                   else '\\x%02x' % ord(c) for c in str(text))


def malformed(verb, report):
    """What is wrong with a kabigate report's shape, or None when every key _exclude reads has the right type."""
    text = (str,)
    if not isinstance(report, dict):
        return 'not a JSON object'
    if report.get('schema') != SCHEMA:
        return 'not a schema %d report (is kabigate the same version as this plugin?)' % SCHEMA
    package_fields = {'name': text, 'version': text, 'release': text, 'arch': text, 'nevra': text, 'origin': text}
    lists = {
        'excludes': {'reason': text},
        'kmods': {},
        'not_judged': {'package': text, 'reason': text} if verb == 'hold' else {},
    }
    for key, fields in lists.items():
        entries = report.get(key, [])
        if not isinstance(entries, list):
            return "'%s' is not a list" % key
        for entry in entries:
            if not isinstance(entry, dict):
                return "an entry of '%s' is not an object" % key
            for field, types in fields.items():
                if not isinstance(entry.get(field), types):
                    return "an entry of '%s' has no string '%s'" % (key, field)
            if key == 'excludes':
                package = entry.get('package')
                if not isinstance(package, dict):
                    return "an entry of 'excludes' has no object 'package'"
                for field, types in package_fields.items():
                    if not isinstance(package.get(field), types):
                        return "a package of 'excludes' has no string '%s'" % field
                epoch = package.get('epoch')
                if epoch is not None and not (isinstance(epoch, int) and not isinstance(epoch, bool)) and \
                        not (isinstance(epoch, str) and (epoch == '' or epoch.isdigit())):
                    return "an entry of 'excludes' has an epoch that is not a number"
            if key == 'kmods' and entry.get('verdict') == 'not-judged':
                if not isinstance(entry.get('package'), dict) or not isinstance(entry['package'].get('nevra'), text) \
                        or not isinstance(entry.get('reason'), text):
                    return "a not-judged entry of 'kmods' has no string 'package.nevra' or 'reason'"
    if verb == 'hold':
        newest = report.get('newest')
        if newest is not None and not (isinstance(newest, dict) and isinstance(newest.get('release'), text)
                                       and isinstance(newest.get('package'), text)):
            return "'newest' is not an object with a string 'release' and 'package'"
    return None
