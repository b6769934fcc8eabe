import typer

app = typer.Typer(help="Database migrations")
