"""Load the demo data of the given modules into an activated database."""
import argparse
import importlib

from proteus import config as pconfig

from demo.base import create_demo_company


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--config', required=True)
    parser.add_argument('--database', required=True)
    parser.add_argument('--modules', nargs='+', required=True)
    args = parser.parse_args()

    config = pconfig.set_trytond(args.database, config_file=args.config)
    create_demo_company(config)
    for module in args.modules:
        try:
            demo = importlib.import_module(f'demo.{module}')
        except ModuleNotFoundError as exception:
            if exception.name != f'demo.{module}':
                raise
            continue
        demo.load(config)


if __name__ == '__main__':
    main()
