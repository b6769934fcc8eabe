import typer

user_app = typer.Typer(help="Users")
tenant_app = typer.Typer(help="Tenants")
