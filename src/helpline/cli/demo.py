import typer

app = typer.Typer(help="Demo data")
