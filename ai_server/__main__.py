"""``python -m ai_server serve|models ...``"""

import sys

from ai_server.cli import main

sys.exit(main())
