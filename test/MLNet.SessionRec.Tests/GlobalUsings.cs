global using MLNet.SessionRec.Baselines;
global using MLNet.SessionRec.Data;
global using MLNet.SessionRec.Gru4Rec;
