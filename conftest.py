"""Service-tier tests run real nameko containers: they need eventlet's monkey patching first."""
import eventlet

eventlet.monkey_patch()
