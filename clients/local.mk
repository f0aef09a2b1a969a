# clients/: the PHP client and the receiver examples (PHP, Python, Node),
# each tested against the real stack; a language whose runtime is missing
# SKIPs (and Node's until `npm ci` in clients/node; ./quickstart.sh test
# installs php-cli, php-curl and runs it).  Not installed: copy what you
# use from here.
CLIENT_TESTS = \
	clients/tests/test_php_client.py \
	clients/tests/test_receiver_node.py \
	clients/tests/test_receiver_php.py \
	clients/tests/test_receiver_python.py
TESTS += $(CLIENT_TESTS)
EXTRA_DIST += $(CLIENT_TESTS) clients/README.md \
	clients/tests/clientharness.py clients/tests/receivers.py clients/tests/client_test.php \
	clients/php/DqClient.php clients/php/receiver.php clients/php/composer.json \
	clients/php/README.md clients/python/receiver.py clients/python/README.md \
	clients/node/receiver.mjs clients/node/package.json clients/node/package-lock.json \
	clients/node/README.md

