# This file is part of the personal_data module.
