"""Run every benchmark (benchmarks/p<N>_*.py) in a process of its own and
print the table of the ratios against their targets."""
import pathlib
import re
import subprocess
import sys

# A ratio ("1.20x") or a figure without unit ("0.85")
TARGET_LINE = re.compile(
    r'^(P\d+ .*): (\S+?)x? \(target (\S+ \S+)\) (OK|FAIL)$')


def main():
    folder = pathlib.Path(__file__).parent
    results = []
    for path in sorted(folder.glob('p[0-9]*_*.py')):
        module = f'benchmarks.{path.stem}'
        print(f"== {module}", flush=True)
        process = subprocess.run(
            [sys.executable, '-c',
                f'import {module} as b; b.main()'],
            stdout=subprocess.PIPE, text=True)
        print(process.stdout, end='', flush=True)
        lines = [m.groups() for m in map(
                TARGET_LINE.match, process.stdout.splitlines()) if m]
        if process.returncode or not lines:
            results.append((module, '-', '-', 'ERROR'))
        results.extend(lines)
    width = max(len(r[0]) for r in results)
    print(f"\n{'benchmark':<{width}}  {'ratio':>7}  {'target':<8}  result")
    for label, ratio, target, verdict in results:
        print(f"{label:<{width}}  {ratio:>7}  {target:<8}  {verdict}")
    return 0 if all(r[3] == 'OK' for r in results) else 1


if __name__ == '__main__':
    sys.exit(main())
