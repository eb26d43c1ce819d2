"""What ``make test`` needs running before pytest: PostgreSQL, RabbitMQ and the test vhost."""
from deploy.stack import ensure_infrastructure, ensure_vhost
from pedatt_common.testing import TEST_VHOST


def main() -> None:
    ensure_infrastructure()
    ensure_vhost(f"amqp://guest:guest@127.0.0.1:5672/{TEST_VHOST}")


if __name__ == "__main__":
    main()
