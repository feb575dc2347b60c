from tests.conftest import login


def test_login_and_start_page(client, users):
    login(client, users["admin"])
    response = client.get("/")
    assert response.status_code == 200
    assert "Hej" in response.get_data(as_text=True)
