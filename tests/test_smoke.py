from graph.service import Chanjiao


def test_demo_loads(demo: Chanjiao) -> None:
    stats = demo.stats()
    assert stats["nodes"]["Course"] == 21
